import { createApp } from "./app";

export { Account } from "./account/account";
export { FileSweeper } from "./files/sweeper";
export { Inbox } from "./inbox/inbox";
export { Room } from "./room";

export default createApp();
