-- No change to the database. Migrations 0004-0009 were written by hand (several at once, in
-- parallel branches), without drizzle-kit's snapshots; this entry carries the snapshot of the
-- whole schema (meta/0010_snapshot.json), so that `npm run db:generate` diffs against the real
-- tables again instead of re-creating them.
SELECT 1;
