-- eveflow PostgreSQL schema (default table names): aggregate table version 6, raw events
-- version 2, the others version 1.
--
-- eveflow creates and upgrades these tables itself at start (idempotent, versioned migrations
-- recorded in eveflow_schema_migrations, under an advisory lock). This file is for DBAs who
-- prefer to create them by hand, or with a role that eveflow then only needs INSERT/SELECT
-- (and CREATE for raw event partitions) on. Tables go to the first schema of the search_path.
-- Run with: psql "$DSN" -v ON_ERROR_STOP=1 -1 -f deploy/schema.sql

CREATE TABLE IF NOT EXISTS eveflow_schema_migrations (
    object      text        NOT NULL,   -- bookkeeping | kafka_offsets | aggregate:<table> | raw:<table> | live:<table> | flow_log:<table>
    version     integer     NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (object, version)
);

-- One row per committed batch: a batch retried after a lost connection finds its id here and
-- is not applied twice. Ids older than 7 days are pruned.
CREATE TABLE IF NOT EXISTS eveflow_batches (
    sink            text        NOT NULL,
    batch_id        text        NOT NULL,
    aggregate_rows  integer     NOT NULL,
    raw_rows        integer     NOT NULL,
    committed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sink, batch_id)
);

-- Partitions of the raw events tables, with their ranges, for retention.
CREATE TABLE IF NOT EXISTS eveflow_partitions (
    name         text PRIMARY KEY,
    parent       text        NOT NULL,
    range_start  timestamptz NOT NULL,
    range_end    timestamptz NOT NULL
);

-- Kafka input: the next offset to read per consumer group and partition, written in the
-- transaction of the aggregates built from the events before it (docs/kafka.md).
CREATE TABLE IF NOT EXISTS eveflow_kafka_offsets (
    group_id     text        NOT NULL,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    next_offset  bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

-- eve_file input with follow: the position of the followed file per input, written in the
-- transaction of the aggregates built from the lines before it (docs/eve_input.md).
-- dev, ino and fp_hash are unsigned 64-bit values stored bit for bit.
CREATE TABLE IF NOT EXISTS eveflow_file_positions (
    group_id     text        PRIMARY KEY,
    path         text        NOT NULL,
    dev          bigint      NOT NULL,
    ino          bigint      NOT NULL,
    fp_len       bigint      NOT NULL,
    fp_hash      bigint      NOT NULL,
    next_offset  bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Aggregates: one row per (window, sensor, key). Key columns not in the configured key are
-- NULL (the unique key treats NULLs as equal). A late partial record is merged into its row:
-- counters add, first_seen takes the least, last_seen the greatest, src_port_set (version 2,
-- below) the union and src_ports its size.
CREATE TABLE IF NOT EXISTS flow_aggregate (
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    sensor_id       text        NOT NULL,
    src_ip          inet,
    dest_ip         inet,
    dest_port       integer,
    proto           text,
    flows           bigint      NOT NULL,
    src_ports       integer     NOT NULL,
    pkts_toserver   bigint      NOT NULL,
    pkts_toclient   bigint      NOT NULL,
    bytes_toserver  bigint      NOT NULL,
    bytes_toclient  bigint      NOT NULL,
    first_seen      timestamptz,
    last_seen       timestamptz,
    src_port        integer,    -- extra key fields, set when configured in the handler's key
    app_proto       text,
    vlan            integer,
    in_iface        text,
    CONSTRAINT flow_aggregate_key UNIQUE NULLS NOT DISTINCT (window_start, window_end,
        sensor_id, src_ip, dest_ip, dest_port, proto, src_port, app_proto, vlan, in_iface)
);

-- Version 2 of the aggregate table (also upgrades a table created by version 1 of this file):
-- the distinct source ports of the row, ascending, so merged partials keep src_ports exact.
-- NULL in rows written before it (set unknown): merging into such a row keeps it NULL and
-- src_ports takes the greatest of the two counts, a lower bound, as version 1 did.
ALTER TABLE flow_aggregate ADD COLUMN IF NOT EXISTS src_port_set integer[];

-- Raw events (raw_events.types), range-partitioned on ts. eveflow creates the partitions
-- (eve_raw_pYYYYMMDD, eve_raw_pYYYYMMDDHH for hourly ones) ahead of time and on demand, and
-- drops them after the retention.
CREATE TABLE IF NOT EXISTS eve_raw (
    ts          timestamptz NOT NULL,
    event_type  text        NOT NULL,
    sensor_id   text        NOT NULL,
    src_ip      inet,
    src_port    integer,
    dest_ip     inet,
    dest_port   integer,
    proto       text,
    flow_id     bigint,
    payload     jsonb
) PARTITION BY RANGE (ts);
CREATE INDEX IF NOT EXISTS eve_raw_ts_idx ON eve_raw (ts);
CREATE INDEX IF NOT EXISTS eve_raw_src_ip_idx ON eve_raw (src_ip);
CREATE INDEX IF NOT EXISTS eve_raw_dest_idx ON eve_raw (dest_ip, dest_port);
CREATE INDEX IF NOT EXISTS eve_raw_event_type_idx ON eve_raw (event_type);
-- Version 2: the event's Community ID (its own, or computed with enrich.community_id).
ALTER TABLE eve_raw ADD COLUMN IF NOT EXISTS community_id text;

-- Version 3: the pcap meter's process names (process_visibility) as key columns, and the
-- unique key rebuilt with them. NULL when the handler's key leaves them out.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'flow_aggregate'
                     AND column_name = 'src_process_name') THEN
        ALTER TABLE flow_aggregate
            ADD COLUMN src_process_name text,
            ADD COLUMN dest_process_name text,
            DROP CONSTRAINT flow_aggregate_key,
            ADD CONSTRAINT flow_aggregate_key UNIQUE NULLS NOT DISTINCT (window_start,
                window_end, sensor_id, src_ip, dest_ip, dest_port, proto, src_port, app_proto,
                vlan, in_iface, src_process_name, dest_process_name);
    END IF;
END $$;

-- Version 4: the enriched key fields (docs/enrichment.md), typed; they join the unique key.
-- A country or AS outside the key is stored when a geo database knows it.
ALTER TABLE flow_aggregate
    ADD COLUMN IF NOT EXISTS src_net cidr, ADD COLUMN IF NOT EXISTS dest_net cidr,
    ADD COLUMN IF NOT EXISTS home_direction text,
    ADD COLUMN IF NOT EXISTS src_country char(2), ADD COLUMN IF NOT EXISTS dest_country char(2),
    ADD COLUMN IF NOT EXISTS src_asn bigint, ADD COLUMN IF NOT EXISTS dest_asn bigint,
    DROP CONSTRAINT flow_aggregate_key,
    ADD CONSTRAINT flow_aggregate_key UNIQUE NULLS NOT DISTINCT (window_start, window_end,
        sensor_id, src_ip, dest_ip, dest_port, proto, src_port, app_proto, vlan, in_iface,
        src_process_name, dest_process_name, src_net, dest_net, home_direction, src_country,
        dest_country, src_asn, dest_asn);

-- Version 5: flows_active, the distinct flows with packets in the window (the pcap meter's
-- interim updates only, NULL otherwise); partial records add up (docs/aggregation.md).
ALTER TABLE flow_aggregate ADD COLUMN IF NOT EXISTS flows_active bigint;

-- Version 6: names of the key's addresses, not key columns: reverse DNS (enrich.rdns) and the
-- name the source resolved to the destination (enrich.dns_names); NULL when unknown.
ALTER TABLE flow_aggregate
    ADD COLUMN IF NOT EXISTS src_host text, ADD COLUMN IF NOT EXISTS dest_host text,
    ADD COLUMN IF NOT EXISTS dest_name text;

INSERT INTO eveflow_schema_migrations (object, version) VALUES
    ('aggregate:flow_aggregate', 3), ('aggregate:flow_aggregate', 4),
    ('aggregate:flow_aggregate', 5), ('aggregate:flow_aggregate', 6)
ON CONFLICT DO NOTHING;

-- DNS aggregates (handler dns_aggregate): partial records of one key merge by adding the
-- counts, uniting client_set and answers (clients = cardinality(client_set)) and adding the
-- rcode counts.
CREATE TABLE IF NOT EXISTS dns_aggregate (
    window_start     timestamptz NOT NULL,
    window_end       timestamptz NOT NULL,
    sensor_id        text        NOT NULL,
    rrname           text        NOT NULL,
    rrtype           text        NOT NULL,
    queries          bigint      NOT NULL,
    responses        bigint      NOT NULL,
    clients          integer     NOT NULL,
    client_set       inet[]      NOT NULL,
    rcodes           jsonb       NOT NULL,   -- {"NOERROR": 12, "NXDOMAIN": 1}
    answers          text[]      NOT NULL,
    answers_overflow bigint      NOT NULL,
    PRIMARY KEY (window_start, window_end, sensor_id, rrname, rrtype)
);

-- Passive DNS (handler pdns), Passive DNS Common Output Format fields; times in epoch seconds.
-- Partial records merge with sum(count), min(time_first), max(time_last).
CREATE TABLE IF NOT EXISTS pdns (
    rrname      text   NOT NULL,
    rrtype      text   NOT NULL,
    rdata       text   NOT NULL,
    sensor_id   text   NOT NULL,
    count       bigint NOT NULL,
    time_first  bigint NOT NULL,
    time_last   bigint NOT NULL,
    PRIMARY KEY (rrname, rrtype, rdata, sensor_id)
);
CREATE INDEX IF NOT EXISTS pdns_rdata_idx ON pdns (rdata);

INSERT INTO eveflow_schema_migrations (object, version) VALUES
    ('bookkeeping', 1), ('aggregate:flow_aggregate', 1), ('aggregate:flow_aggregate', 2),
    ('raw:eve_raw', 1), ('raw:eve_raw', 2), ('dns_aggregate', 1), ('pdns', 1)
ON CONFLICT DO NOTHING;

-- Live flows (outputs[].live_table: flow_live): one row per flow alive now, per sensor,
-- inserted when the flow passes the meter's insert policy, rewritten at each update, deleted
-- when it ends. `flow` is the flow as JSON. At start eveflow deletes its sensor's rows (left
-- by a run that did not end cleanly).
CREATE TABLE IF NOT EXISTS flow_live (
    sensor_id       text        NOT NULL,
    flow_id         bigint      NOT NULL,
    community_id    text,
    src_ip          inet,
    src_port        integer,
    dest_ip         inet,
    dest_port       integer,
    proto           text,
    app_proto       text,
    pkts_toserver   bigint      NOT NULL,
    pkts_toclient   bigint      NOT NULL,
    bytes_toserver  bigint      NOT NULL,
    bytes_toclient  bigint      NOT NULL,
    flow_start      timestamptz,
    last_seen       timestamptz,
    updated         timestamptz,
    flow            jsonb,
    PRIMARY KEY (sensor_id, flow_id)
) WITH (fillfactor = 80);

-- Finished flows (flow_log), written when a flow leaves flow_live with its last known values,
-- range-partitioned on flow_end like eve_raw (flow_log_pYYYYMMDD, created and dropped by
-- eveflow). The key keeps a retried write from logging a flow twice.
CREATE TABLE IF NOT EXISTS flow_log (
    sensor_id       text        NOT NULL,
    flow_id         bigint      NOT NULL,
    community_id    text,
    src_ip          inet,
    src_port        integer,
    dest_ip         inet,
    dest_port       integer,
    proto           text,
    app_proto       text,
    pkts_toserver   bigint,
    pkts_toclient   bigint,
    bytes_toserver  bigint,
    bytes_toclient  bigint,
    flow_start      timestamptz,
    last_seen       timestamptz,
    flow_end        timestamptz NOT NULL,
    flow            jsonb,
    PRIMARY KEY (sensor_id, flow_id, flow_end)
) PARTITION BY RANGE (flow_end);
CREATE INDEX IF NOT EXISTS flow_log_src_ip_idx ON flow_log (src_ip);
CREATE INDEX IF NOT EXISTS flow_log_dest_idx ON flow_log (dest_ip, dest_port);

INSERT INTO eveflow_schema_migrations (object, version) VALUES
    ('live:flow_live', 1), ('flow_log:flow_log', 1)
ON CONFLICT DO NOTHING;
