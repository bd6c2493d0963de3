import { createApp } from "./app";

export { Account } from "./account/account";
export { Room } from "./room/room";

export default createApp();
