import { SignJWT, errors, jwtVerify, type JWTPayload } from "jose";
import { z } from "zod";
import type { AuthConfig } from "../config.ts";

/** Display names from tokens: letters, digits, space, `_` and `-`, trimmed, 1..32 characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, "name is empty")
  .max(32, "name is longer than 32 characters")
  .regex(/^[\p{L}\p{N} _-]+$/u, "name may contain only letters, digits, spaces, _ and -");

// Join tokens: HS256 JWTs signed with AUTH_SECRET. `sub` is the user id; `name` is the display
// name (defaults to `sub`). Only HS256 is accepted, so a token signed with another algorithm
// (or none) is refused whatever its claims say.

const ALGORITHM = "HS256";

/** Who a verified token says the player is. */
export interface Identity {
  readonly userId: string;
  readonly name: string;
}

/** Why a token was refused; the message is what the client sees. */
export class TokenError extends Error {
  override name = "TokenError";
  constructor(
    readonly reason: TokenRejection,
    message: string,
  ) {
    super(message);
  }
}

export type TokenRejection = "missing" | "expired" | "signature" | "algorithm" | "malformed" | "claims";

const USER_ID = /^[\w.@:-]{1,64}$/;

function keyOf(auth: AuthConfig): Uint8Array {
  return new TextEncoder().encode(auth.secret);
}

/** Verifies a join token and returns the identity in it, or throws a TokenError saying why not. */
export async function verifyToken(token: string | undefined, auth: AuthConfig): Promise<Identity> {
  if (!token) throw new TokenError("missing", "authentication required: the join carried no token");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyOf(auth), {
      algorithms: [ALGORITHM],
      issuer: auth.issuer,
      audience: auth.audience,
      requiredClaims: ["sub", "exp"],
    }));
  } catch (err) {
    throw describe(err);
  }
  const userId = payload.sub ?? "";
  if (!USER_ID.test(userId))
    throw new TokenError("claims", 'token claim "sub" must be 1-64 letters, digits or . _ @ : -');
  const name = DisplayName.safeParse(payload.name ?? userId);
  if (!name.success)
    throw new TokenError(
      "claims",
      `token claim "name" is not a valid player name: ${name.error.issues[0]?.message ?? "invalid"}`,
    );
  return { userId, name: name.data };
}

function describe(err: unknown): TokenError {
  if (err instanceof errors.JWTExpired) return new TokenError("expired", "token expired");
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new TokenError("algorithm", `token algorithm not allowed (only ${ALGORITHM})`);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new TokenError("signature", "token signature invalid");
  if (err instanceof errors.JWTClaimValidationFailed)
    return new TokenError("claims", `token claim "${err.claim}" invalid: ${err.reason}`);
  return new TokenError("malformed", "token malformed");
}

export interface TokenRequest {
  userId: string;
  name?: string;
  /** Lifetime in seconds (default one hour). */
  ttlSeconds?: number;
}

/** Signs a join token (for development tools and tests; production tokens come from your login service). */
export async function issueToken(auth: AuthConfig, req: TokenRequest): Promise<string> {
  if (!USER_ID.test(req.userId)) throw new TokenError("claims", "user id must be 1-64 letters, digits or . _ @ : -");
  const jwt = new SignJWT(req.name ? { name: req.name } : {})
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(req.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (req.ttlSeconds ?? 3600));
  if (auth.issuer) jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt.setAudience(auth.audience);
  return jwt.sign(keyOf(auth));
}
