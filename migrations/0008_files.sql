-- Hand-written (issue 22): uploads and the queue of blobs to delete from R2.
CREATE TABLE "uploads" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"size" bigint NOT NULL,
	"width" integer,
	"height" integer,
	"state" text DEFAULT 'uploading' NOT NULL,
	"room_id" integer,
	"message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attached_at" timestamp with time zone,
	CONSTRAINT "uploads_state_check" CHECK ("uploads"."state" in ('uploading', 'ready')),
	CONSTRAINT "uploads_attached_check" CHECK (("uploads"."room_id" is null) = ("uploads"."message_id" is null))
);
--> statement-breakpoint
CREATE TABLE "blob_deletions" (
	"key" text PRIMARY KEY NOT NULL,
	"enqueued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "uploads_user_idx" ON "uploads" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "uploads_room_idx" ON "uploads" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "uploads_message_idx" ON "uploads" USING btree ("message_id") WHERE "uploads"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "uploads_pending_idx" ON "uploads" USING btree ("created_at") WHERE "uploads"."message_id" is null;--> statement-breakpoint
-- Whatever removes an upload's row (its message's delete, the room's or the user's cascade, the
-- sweep of unattached uploads) queues its blob in the same transaction: nothing is orphaned.
CREATE FUNCTION "uploads_queue_blob"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO "blob_deletions" ("key") VALUES (OLD."id") ON CONFLICT DO NOTHING;
	RETURN OLD;
END
$$;--> statement-breakpoint
CREATE TRIGGER "uploads_queue_blob" AFTER DELETE ON "uploads" FOR EACH ROW EXECUTE FUNCTION "uploads_queue_blob"();
