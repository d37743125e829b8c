CREATE TABLE "api_key" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scope" text NOT NULL,
	"sensors" text[],
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_key_secret_hash_unique" UNIQUE("secret_hash"),
	CONSTRAINT "api_key_scope_check" CHECK ("api_key"."scope" IN ('read', 'read-write', 'ingest')),
	CONSTRAINT "api_key_sensors_check" CHECK (("api_key"."scope" = 'ingest') = ("api_key"."sensors" IS NOT NULL) AND ("api_key"."sensors" IS NULL OR cardinality("api_key"."sensors") > 0))
);
--> statement-breakpoint
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_key_user_name_key" ON "api_key" USING btree ("user_id","name") WHERE "api_key"."revoked_at" IS NULL;--> statement-breakpoint
CREATE INDEX "api_key_user_idx" ON "api_key" USING btree ("user_id","id");