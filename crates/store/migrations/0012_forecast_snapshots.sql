-- Weekly copies of the open pipeline, so each forecast method can be checked afterwards against
-- what actually closed (the backtest). One row per pipeline and week marks a snapshot as taken.
CREATE TABLE forecast_snapshot_weeks (
    pipeline_id TEXT NOT NULL,
    week TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    PRIMARY KEY (pipeline_id, week)
);

-- Each open opportunity as it stood that week, with the win rate its stage had then.
CREATE TABLE forecast_snapshots (
    pipeline_id TEXT NOT NULL,
    week TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    stage_key TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    team_id TEXT,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    probability INTEGER NOT NULL,
    win_per_mille INTEGER NOT NULL,
    close_date TEXT,
    PRIMARY KEY (pipeline_id, week, opportunity_id)
);
CREATE INDEX forecast_snapshots_close ON forecast_snapshots (pipeline_id, week, close_date);
