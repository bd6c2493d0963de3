import { createApp } from "./app";

export { Account } from "./account/account";
export { Inbox } from "./inbox/inbox";
export { Room } from "./room/room";

export default createApp();
