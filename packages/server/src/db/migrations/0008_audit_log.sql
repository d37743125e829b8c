CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"user_id" integer,
	"user_email" text,
	"api_key_id" integer,
	"api_key_name" text,
	"method" text NOT NULL,
	"route" text NOT NULL,
	"operation_id" text,
	"target" text,
	"ip" text,
	"status" smallint NOT NULL,
	"request_id" text
);
--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_user_idx" ON "audit_log" USING btree ("user_email","id");--> statement-breakpoint
-- Hand-written below (the table above is generated from src/db/schema/audit.ts).
--
-- The audit log is append-only, so that not even a bug can rewrite history: UPDATE and
-- TRUNCATE are always refused, and DELETE only for the retention prune, which says so with the
-- transaction setting mirrorbase.audit_prune = 'on' and may only remove rows older than a day
-- (the shortest retention period). A role with the rights of the table's owner can still drop
-- the trigger: this guards against mistakes in code, not against the database's administrator.
CREATE FUNCTION mb_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('mirrorbase.audit_prune', true) = 'on' THEN
    IF OLD.at < now() - interval '1 day' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: the prune removes only entries older than a day';
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION mb_audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION mb_audit_log_append_only();
