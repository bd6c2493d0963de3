/**
 * The little of the protobuf wire format the fake GCM needs (developers.google.com/protocol-buffers
 * "Encoding"): read a message's top-level fields, write varint, fixed64 and length-delimited ones.
 */
export type Field = { field: number; wire: number; value: bigint | Buffer };

export function readFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = () => {
    let n = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[at++];
      if (byte === undefined) throw new Error("truncated protobuf");
      n |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return n;
    }
  };
  const bytes = (length: number) => {
    if (at + length > buf.length) throw new Error("truncated protobuf");
    at += length;
    return buf.subarray(at - length, at);
  };
  while (at < buf.length) {
    const key = Number(varint());
    const wire = key & 7;
    let value: bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 1) value = bytes(8).readBigUInt64LE();
    else if (wire === 2) value = bytes(Number(varint()));
    else if (wire === 5) value = BigInt(bytes(4).readUInt32LE());
    else throw new Error(`protobuf wire type ${wire}`);
    fields.push({ field: key >> 3, wire, value });
  }
  return fields;
}

/** The string value of a length-delimited field, or undefined. */
export const stringField = (fields: Field[], field: number) => {
  const f = fields.find((x) => x.field === field && x.wire === 2);
  return f ? (f.value as Buffer).toString() : undefined;
};

export function varint(n: number | bigint): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Buffer.from(out);
}

export const varintField = (field: number, n: number | bigint) =>
  Buffer.concat([varint(field << 3), varint(n)]);

export function fixed64Field(field: number, n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return Buffer.concat([varint((field << 3) | 1), b]);
}

export function bytesField(field: number, value: Buffer | string): Buffer {
  const b = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([varint((field << 3) | 2), varint(b.length), b]);
}
