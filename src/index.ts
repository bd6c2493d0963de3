import { createApp } from "./app";

export { Room } from "./room/room";

export default createApp();
