/** Name under which the server registers the arena room. */
export const ARENA_ROOM = "arena";
