-- The run log becomes the record of a run from start to end: runs are logged as running (or
-- queued, in the background) before the call and finished after it, so a slow service's run is
-- visible while it lasts. Also who asked (the actor, whose credentials write what a service
-- returns), why (a request or a schedule) and what was written back.
ALTER TABLE "service_run_log" ADD COLUMN "status" text;
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD COLUMN "trigger" text DEFAULT 'request' NOT NULL;
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD COLUMN "started_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD COLUMN "finished_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD COLUMN "written" jsonb;
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD COLUMN "actor_user_id" integer REFERENCES "users"("id") ON DELETE SET NULL;
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD COLUMN "actor_api_key_id" integer REFERENCES "api_key"("id") ON DELETE SET NULL;
--> statement-breakpoint
-- Runs logged before: they were logged once finished, so their time is both their start and end.
UPDATE "service_run_log" SET
  "status" = CASE WHEN "response_status_code" BETWEEN 200 AND 299 THEN 'succeeded' ELSE 'failed' END,
  "started_at" = "timestamp",
  "finished_at" = "timestamp";
--> statement-breakpoint
ALTER TABLE "service_run_log" ALTER COLUMN "status" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD CONSTRAINT "service_run_log_status_check"
  CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed'));
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD CONSTRAINT "service_run_log_trigger_check" CHECK ("trigger" IN ('request', 'schedule'));
