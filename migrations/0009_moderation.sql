CREATE TABLE "moderation_filters" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "moderation_filters_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"room_id" integer REFERENCES "public"."rooms"("id") ON DELETE cascade,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"action" text NOT NULL,
	"created_by" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "moderation_filters_kind_check" CHECK ("kind" in ('word', 'pattern')),
	CONSTRAINT "moderation_filters_action_check" CHECK ("action" in ('block', 'mask', 'flag'))
);
--> statement-breakpoint
CREATE INDEX "moderation_filters_room_idx" ON "moderation_filters" USING btree ("room_id");
--> statement-breakpoint
CREATE TABLE "room_moderation" (
	"room_id" integer PRIMARY KEY NOT NULL REFERENCES "public"."rooms"("id") ON DELETE cascade,
	"slow_mode_seconds" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "room_mutes" (
	"room_id" integer NOT NULL REFERENCES "public"."rooms"("id") ON DELETE cascade,
	"user_id" integer NOT NULL REFERENCES "public"."users"("id") ON DELETE cascade,
	"until" timestamp with time zone NOT NULL,
	"muted_by" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "room_mutes_room_id_user_id_pk" PRIMARY KEY("room_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "room_shadow_bans" (
	"room_id" integer NOT NULL REFERENCES "public"."rooms"("id") ON DELETE cascade,
	"user_id" integer NOT NULL REFERENCES "public"."users"("id") ON DELETE cascade,
	"created_by" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "room_shadow_bans_room_id_user_id_pk" PRIMARY KEY("room_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "message_reports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "message_reports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"room_id" integer NOT NULL REFERENCES "public"."rooms"("id") ON DELETE cascade,
	"message_id" text NOT NULL,
	"reported_user_id" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"reporter_id" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"reason" text NOT NULL,
	"note" text,
	"status" text DEFAULT 'open' NOT NULL,
	"resolved_by" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_reports_reason_check" CHECK ("reason" in ('spam', 'harassment', 'hate', 'sexual', 'violence', 'other', 'filter')),
	CONSTRAINT "message_reports_status_check" CHECK ("status" in ('open', 'dismissed', 'deleted', 'muted', 'banned'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "message_reports_once_idx" ON "message_reports" USING btree ("message_id","reporter_id") WHERE "reporter_id" is not null;
--> statement-breakpoint
CREATE INDEX "message_reports_queue_idx" ON "message_reports" USING btree ("room_id","status","id");
--> statement-breakpoint
CREATE TABLE "moderation_audit" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "moderation_audit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"room_id" integer REFERENCES "public"."rooms"("id") ON DELETE set null,
	"actor_id" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"action" text NOT NULL,
	"target_user_id" integer REFERENCES "public"."users"("id") ON DELETE set null,
	"target_message_id" text,
	"details" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "moderation_audit_room_idx" ON "moderation_audit" USING btree ("room_id","id");
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "hidden" boolean GENERATED ALWAYS AS (coalesce(("data"->>'shadow')::boolean, false)) STORED;
--> statement-breakpoint
-- Hand-written: a message or edit a filter flagged queues a report, and a masked one is audited,
-- exactly once, as the outbox's copy inserts it (ON CONFLICT DO NOTHING fires no trigger twice).
CREATE FUNCTION "moderation_on_message_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	target text := CASE WHEN NEW.kind = 'edit' THEN NEW.target_id ELSE NEW.id END;
BEGIN
	IF NEW.data ? 'flagged' THEN
		INSERT INTO message_reports (room_id, message_id, reported_user_id, reporter_id, reason, note)
		VALUES (NEW.room_id, target, NEW.user_id, NULL, 'filter', 'flagged by filters ' || (NEW.data->'flagged')::text);
		INSERT INTO moderation_audit (room_id, actor_id, action, target_user_id, target_message_id, details)
		VALUES (NEW.room_id, NULL, 'filter.flag', NEW.user_id, target, jsonb_build_object('filters', NEW.data->'flagged', 'seq', NEW.seq));
	END IF;
	IF NEW.data ? 'masked' THEN
		INSERT INTO moderation_audit (room_id, actor_id, action, target_user_id, target_message_id, details)
		VALUES (NEW.room_id, NULL, 'filter.mask', NEW.user_id, target, jsonb_build_object('filters', NEW.data->'masked', 'seq', NEW.seq));
	END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "messages_moderation" AFTER INSERT ON "messages" FOR EACH ROW
	WHEN (NEW.data IS NOT NULL AND (NEW.data ? 'flagged' OR NEW.data ? 'masked'))
	EXECUTE FUNCTION "moderation_on_message_insert"();
