import { parseArgs } from "node:util";
import { loadConfig, ConfigError, type Config } from "../config.ts";
import { issueToken, TokenError } from "../auth/tokens.ts";

// `npm run token -- --user <id> [--name <name>] [--ttl <seconds>]`: prints a join token signed
// with AUTH_SECRET, for development and tests. Production tokens come from your login service,
// signed with the same secret (HS256, `sub` = user id, `name` = display name, `exp` required).

const USAGE =
  "usage: AUTH_SECRET=... npm run token -- --user <id> [--name <display name>] [--ttl <seconds, default 3600>]";

const OPTIONS = {
  user: { type: "string" },
  name: { type: "string" },
  ttl: { type: "string", default: "3600" },
  help: { type: "boolean" },
} as const;

async function main(): Promise<void> {
  const parsed = (() => {
    try {
      return parseArgs({ options: OPTIONS });
    } catch (err) {
      return err as Error;
    }
  })();
  if (parsed instanceof Error) return fail(`${parsed.message}\n${USAGE}`);
  const { values } = parsed;
  if (values.help) return void console.log(USAGE);
  if (!values.user) return fail(`--user is required\n${USAGE}`);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) return fail(`--ttl must be a positive whole number of seconds`);

  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  if (!config.auth) return fail(`AUTH_SECRET is not set: nothing to sign with\n${USAGE}`);
  try {
    console.log(await issueToken(config.auth, { userId: values.user, name: values.name, ttlSeconds: ttl }));
  } catch (err) {
    if (err instanceof TokenError) return fail(err.message);
    throw err;
  }
}

function fail(message: string): void {
  process.stderr.write(`token: ${message}\n`);
  process.exitCode = 2;
}

await main();
