// The database behind examples/users-api.ts: Postgres compiled to WebAssembly (PGlite), in
// memory, seeded in code: nothing to install or download. It counts the queries it was sent
// and the ids they asked for, so that a test (and bench:keys) can see what batching and the
// cache saved.
import { PGlite } from '@electric-sql/pglite';

export interface User {
  id: number;
  name: string;
  teamId: number;
}

export interface Team {
  id: number;
  name: string;
}

/** Users 1..users, each in team `id % teams + 1`. */
export async function openUsersDb(users = 1_000, teams = 50): Promise<UsersDb> {
  const pg = new PGlite();
  await pg.exec(`
    CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, team_id int NOT NULL REFERENCES teams);
    INSERT INTO teams SELECT g, 'team ' || g FROM generate_series(1, ${teams}) g;
    INSERT INTO users SELECT g, 'user ' || g, g % ${teams} + 1 FROM generate_series(1, ${users}) g;
  `);
  return new UsersDb(pg);
}

export class UsersDb {
  /** Queries sent, and ids asked for in them, since the last `resetCounts`. */
  queries = 0;
  idsAsked = 0;

  constructor(private readonly pg: PGlite) {}

  /** The users with these ids, in no particular order; an id with no user is left out. */
  async usersById(ids: readonly number[]): Promise<User[]> {
    const { rows } = await this.#query<{ id: number; name: string; team_id: number }>(
      'SELECT id, name, team_id FROM users WHERE id = ANY($1::int[])',
      ids,
    );
    return rows.map((row) => ({ id: row.id, name: row.name, teamId: row.team_id }));
  }

  /** The teams with these ids, in no particular order. */
  async teamsById(ids: readonly number[]): Promise<Team[]> {
    const { rows } = await this.#query<Team>('SELECT id, name FROM teams WHERE id = ANY($1::int[])', ids);
    return rows;
  }

  resetCounts(): void {
    this.queries = 0;
    this.idsAsked = 0;
  }

  close(): Promise<void> {
    return this.pg.close();
  }

  #query<T>(sql: string, ids: readonly number[]) {
    this.queries++;
    this.idsAsked += ids.length;
    return this.pg.query<T>(sql, [ids]);
  }
}
