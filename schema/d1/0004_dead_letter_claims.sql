-- Dead-letter replay claims (issue 10). A replay claims the rows it is about to send by setting
-- claimed_until (unix seconds) instead of deleting them first: a second replay running at the same
-- time skips claimed rows (so no message is sent twice), and a replay that dies mid-send loses
-- nothing, because its claim simply runs out and the next replay sends those rows again (a repeat
-- is de-duplicated in ClickHouse by the batch id). NULL: free to replay.
ALTER TABLE dead_letters ADD COLUMN claimed_until INTEGER;

-- Replays read in (received_at, batch_id) order with a cursor.
CREATE INDEX IF NOT EXISTS dead_letters_by_received ON dead_letters (received_at, batch_id);
