-- Hand-written (issue 19's leftover): a reply's quote of a message hidden from all but its author
-- (a shadow-banned message, quoted by its author after the ban was lifted) names that author in
-- `data.parent.only`, so that every read hides the quote from everyone else (room/moderation/hidden.ts
-- `quoteAs`). Replies stored before carry no such mark: they are marked here.
UPDATE "messages" AS "r"
SET "data" = jsonb_set("r"."data", '{parent,only}', to_jsonb("p"."user_id"))
FROM "messages" AS "p"
WHERE "r"."kind" = 'message'
  AND "r"."data" ? 'parent'
  AND NOT ("r"."data"->'parent' ? 'only')
  AND "p"."id" = "r"."data"->'parent'->>'id'
  AND "p"."room_id" = "r"."room_id"
  AND "p"."hidden"
  AND "p"."user_id" IS NOT NULL;
