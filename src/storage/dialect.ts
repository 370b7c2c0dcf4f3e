// Which database engine a Kysely instance compiles for.
export type Dialect = 'sqlite' | 'postgres';
