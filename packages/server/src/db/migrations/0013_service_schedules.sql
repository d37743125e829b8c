-- Cron schedules of services (src/modules/schedules): each due run is enqueued on the job runner
-- (src/jobs) by one replica. The run log records which schedule made a run.
CREATE TABLE "service_schedule" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"service_id" integer NOT NULL,
	"parameter_set_id" integer,
	"cron" text NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"timeout_seconds" integer DEFAULT 300 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"created_by" integer NOT NULL,
	"api_key_id" integer,
	"last_scheduled_at" timestamp with time zone,
	"next_run_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "service_schedule_name_unique" UNIQUE("name"),
	CONSTRAINT "service_schedule_timeout_seconds_check" CHECK ("service_schedule"."timeout_seconds" > 0),
	CONSTRAINT "service_schedule_max_attempts_check" CHECK ("service_schedule"."max_attempts" > 0)
);
--> statement-breakpoint
ALTER TABLE "service_run_log" ADD COLUMN "schedule_id" integer;--> statement-breakpoint
ALTER TABLE "service_schedule" ADD CONSTRAINT "service_schedule_service_id_service_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."service"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_schedule" ADD CONSTRAINT "service_schedule_parameter_set_id_service_parameter_set_id_fk" FOREIGN KEY ("parameter_set_id") REFERENCES "public"."service_parameter_set"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_schedule" ADD CONSTRAINT "service_schedule_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_schedule" ADD CONSTRAINT "service_schedule_api_key_id_api_key_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_key"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "service_schedule_due" ON "service_schedule" USING btree ("next_run_at") WHERE enabled;--> statement-breakpoint
ALTER TABLE "service_run_log" ADD CONSTRAINT "service_run_log_schedule_id_service_schedule_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."service_schedule"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "service_run_log_schedule_idx" ON "service_run_log" USING btree ("schedule_id");