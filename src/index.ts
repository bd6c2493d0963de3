import { createApp } from "./app";

export { Account } from "./account/account";
export { Courier } from "./courier/courier";
export { FileSweeper } from "./files/sweeper";
export { Inbox } from "./inbox/inbox";
export { Gauges } from "./metrics/gauges-object";
export { PushQueue } from "./push/queue";
export { Room } from "./room";

export default createApp();
