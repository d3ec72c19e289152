import { createTestDatabase, eventually, testPool } from './index';

describe('testPool', () => {
  it('survives the forced drop of its database while a client is idle in it', async () => {
    const db = await createTestDatabase();
    const pool = testPool(db.url, 2);
    try {
      expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect(pool.idleCount).toBe(1);
      // The drop terminates the idle client's backend: without the pool's error listener, that error
      // would be unhandled and fail the suite.
      await db.drop();
      await eventually(
        async () => (pool.totalCount === 0 ? true : undefined),
        5000,
        'the broken client dropped',
      );
    } finally {
      await pool.end();
    }
  });
});
