CREATE TYPE "public"."http_method" AS ENUM('GET', 'POST', 'PUT', 'DELETE');--> statement-breakpoint
CREATE TYPE "public"."value_datatype" AS ENUM('string', 'float', 'integer', 'boolean');--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "location_identifier" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"units" varchar(100),
	"datatype" "value_datatype" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "location_identifier_name_units_key" UNIQUE NULLS NOT DISTINCT("name","units")
);
--> statement-breakpoint
CREATE TABLE "location_schema_identifier" (
	"schema_id" integer NOT NULL,
	"identifier_id" integer NOT NULL,
	CONSTRAINT "location_schema_identifier_schema_id_identifier_id_pk" PRIMARY KEY("schema_id","identifier_id")
);
--> statement-breakpoint
CREATE TABLE "location_schema" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "location_schema_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "location" (
	"id" serial PRIMARY KEY NOT NULL,
	"schema_id" integer NOT NULL,
	"coordinates" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "location_schema_coordinates_key" UNIQUE("schema_id","coordinates")
);
--> statement-breakpoint
CREATE TABLE "sensor_location" (
	"id" serial PRIMARY KEY NOT NULL,
	"sensor_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"installation_datetime" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sensor_location_sensor_installed_key" UNIQUE("sensor_id","installation_datetime")
);
--> statement-breakpoint
CREATE TABLE "sensor_measure" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"units" varchar(100),
	"datatype" "value_datatype" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sensor_measure_name_units_key" UNIQUE NULLS NOT DISTINCT("name","units")
);
--> statement-breakpoint
CREATE TABLE "sensor_type_measure" (
	"type_id" integer NOT NULL,
	"measure_id" integer NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "sensor_type_measure_type_id_measure_id_pk" PRIMARY KEY("type_id","measure_id")
);
--> statement-breakpoint
CREATE TABLE "sensor_type" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "sensor_type_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "sensor" (
	"id" serial PRIMARY KEY NOT NULL,
	"type_id" integer NOT NULL,
	"unique_identifier" varchar(100) NOT NULL,
	"name" varchar(100),
	"notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "sensor_unique_identifier_unique" UNIQUE("unique_identifier")
);
--> statement-breakpoint
CREATE TABLE "model_measure" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"units" varchar(100) NOT NULL,
	"datatype" "value_datatype" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_measure_name_units_key" UNIQUE("name","units")
);
--> statement-breakpoint
CREATE TABLE "model_product" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"measure_id" integer NOT NULL,
	CONSTRAINT "model_product_run_measure_key" UNIQUE("run_id","measure_id")
);
--> statement-breakpoint
CREATE TABLE "model_run" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"scenario_id" integer NOT NULL,
	"sensor_id" integer,
	"sensor_measure_id" integer,
	"time_created" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_run_model_scenario_time_key" UNIQUE("model_id","scenario_id","time_created")
);
--> statement-breakpoint
CREATE TABLE "model_scenario" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_scenario_model_description_key" UNIQUE NULLS NOT DISTINCT("model_id","description")
);
--> statement-breakpoint
CREATE TABLE "model_value_boolean" (
	"product_id" integer NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" boolean NOT NULL,
	CONSTRAINT "model_value_boolean_product_id_ts_pk" PRIMARY KEY("product_id","ts")
);
--> statement-breakpoint
CREATE TABLE "model_value_float" (
	"product_id" integer NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "model_value_float_product_id_ts_pk" PRIMARY KEY("product_id","ts")
);
--> statement-breakpoint
CREATE TABLE "model_value_integer" (
	"product_id" integer NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "model_value_integer_product_id_ts_pk" PRIMARY KEY("product_id","ts")
);
--> statement-breakpoint
CREATE TABLE "model_value_string" (
	"product_id" integer NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "model_value_string_product_id_ts_pk" PRIMARY KEY("product_id","ts")
);
--> statement-breakpoint
CREATE TABLE "model" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "service_parameter_set" (
	"id" serial PRIMARY KEY NOT NULL,
	"service_id" integer NOT NULL,
	"name" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "service_parameter_set_service_name_key" UNIQUE("service_id","name")
);
--> statement-breakpoint
CREATE TABLE "service_run_log" (
	"id" serial PRIMARY KEY NOT NULL,
	"service_id" integer NOT NULL,
	"parameter_set_id" integer,
	"parameter_set_name" text,
	"parameters" jsonb,
	"response_status_code" integer,
	"response_json" jsonb,
	"error" text,
	"timestamp" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"http_method" "http_method" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "service_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "location_schema_identifier" ADD CONSTRAINT "location_schema_identifier_schema_id_location_schema_id_fk" FOREIGN KEY ("schema_id") REFERENCES "public"."location_schema"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_schema_identifier" ADD CONSTRAINT "location_schema_identifier_identifier_id_location_identifier_id_fk" FOREIGN KEY ("identifier_id") REFERENCES "public"."location_identifier"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location" ADD CONSTRAINT "location_schema_id_location_schema_id_fk" FOREIGN KEY ("schema_id") REFERENCES "public"."location_schema"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sensor_location" ADD CONSTRAINT "sensor_location_sensor_id_sensor_id_fk" FOREIGN KEY ("sensor_id") REFERENCES "public"."sensor"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sensor_location" ADD CONSTRAINT "sensor_location_location_id_location_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."location"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sensor_type_measure" ADD CONSTRAINT "sensor_type_measure_type_id_sensor_type_id_fk" FOREIGN KEY ("type_id") REFERENCES "public"."sensor_type"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sensor_type_measure" ADD CONSTRAINT "sensor_type_measure_measure_id_sensor_measure_id_fk" FOREIGN KEY ("measure_id") REFERENCES "public"."sensor_measure"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sensor" ADD CONSTRAINT "sensor_type_id_sensor_type_id_fk" FOREIGN KEY ("type_id") REFERENCES "public"."sensor_type"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_product" ADD CONSTRAINT "model_product_run_id_model_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."model_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_product" ADD CONSTRAINT "model_product_measure_id_model_measure_id_fk" FOREIGN KEY ("measure_id") REFERENCES "public"."model_measure"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_run" ADD CONSTRAINT "model_run_model_id_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."model"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_run" ADD CONSTRAINT "model_run_scenario_id_model_scenario_id_fk" FOREIGN KEY ("scenario_id") REFERENCES "public"."model_scenario"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_run" ADD CONSTRAINT "model_run_sensor_id_sensor_id_fk" FOREIGN KEY ("sensor_id") REFERENCES "public"."sensor"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_run" ADD CONSTRAINT "model_run_sensor_measure_id_sensor_measure_id_fk" FOREIGN KEY ("sensor_measure_id") REFERENCES "public"."sensor_measure"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_scenario" ADD CONSTRAINT "model_scenario_model_id_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."model"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_value_boolean" ADD CONSTRAINT "model_value_boolean_product_id_model_product_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."model_product"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_value_float" ADD CONSTRAINT "model_value_float_product_id_model_product_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."model_product"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_value_integer" ADD CONSTRAINT "model_value_integer_product_id_model_product_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."model_product"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_value_string" ADD CONSTRAINT "model_value_string_product_id_model_product_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."model_product"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_parameter_set" ADD CONSTRAINT "service_parameter_set_service_id_service_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."service"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_run_log" ADD CONSTRAINT "service_run_log_service_id_service_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."service"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_run_log" ADD CONSTRAINT "service_run_log_parameter_set_id_service_parameter_set_id_fk" FOREIGN KEY ("parameter_set_id") REFERENCES "public"."service_parameter_set"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "location_coordinates_gin" ON "location" USING gin ("coordinates" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "sensor_location_location_idx" ON "sensor_location" USING btree ("location_id");--> statement-breakpoint
CREATE INDEX "sensor_type_measure_measure_idx" ON "sensor_type_measure" USING btree ("measure_id");--> statement-breakpoint
CREATE INDEX "sensor_type_idx" ON "sensor" USING btree ("type_id");--> statement-breakpoint
CREATE INDEX "model_product_measure_idx" ON "model_product" USING btree ("measure_id");--> statement-breakpoint
CREATE INDEX "model_run_time_created_idx" ON "model_run" USING btree ("model_id","time_created");--> statement-breakpoint
CREATE INDEX "model_run_sensor_idx" ON "model_run" USING btree ("sensor_id");--> statement-breakpoint
CREATE INDEX "service_run_log_service_idx" ON "service_run_log" USING btree ("service_id","id");