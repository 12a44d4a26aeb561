-- SPDX-License-Identifier: MIT
-- Ingestion's priority step recounts the networks a batch's linking merged
-- or split, found by this transaction's network_events (at = now()): without
-- them an item whose network lost ads in a batch that held none of its ads
-- kept the larger network's priority and reason, so the queue depended on
-- where batches began. The log grows with the store; the index keeps the
-- lookup a probe.
CREATE INDEX network_events_at ON network_events (at);
