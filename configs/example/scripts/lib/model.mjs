// The sensors model, shared by train.mjs, evaluate.mjs, bench.mjs and demo.mjs: a logistic
// regression over standardized features, stored as a safetensors file.
//
// safetensors layout (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// unsigned header length N, then N bytes of JSON header, then the raw tensor data. The header
// maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets into the data
// section) and may carry "__metadata__", a map of strings. Tensors here are all F64,
// little-endian: weight [3], bias [1], mean [3], std [3].
//
// This file imports only Node built-ins, so it can be copied anywhere with the scripts that use it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The input features, in the order of the weight vector. */
export const FEATURES = ["temperature", "vibration", "load"];
export const LABEL = "fault";
export const WEIGHTS_FILE = "model.safetensors";

const TENSORS = { weight: FEATURES.length, bias: 1, mean: FEATURES.length, std: FEATURES.length };

/**
 * Encodes {weight, bias, mean, std} (arrays of numbers) as safetensors bytes. Tensors are laid out
 * in name order and the header is padded with spaces to a multiple of 8 bytes, so the same model
 * always gives the same bytes and the float64 data stays aligned.
 */
export function encodeSafetensors(model, metadata = {}) {
  const names = Object.keys(TENSORS).sort();
  const header = {};
  let offset = 0;
  for (const name of names) {
    const values = model[name];
    if (!Array.isArray(values) || values.length !== TENSORS[name] || !values.every(Number.isFinite)) {
      throw new Error(`tensor ${name} must be ${TENSORS[name]} finite numbers`);
    }
    header[name] = { dtype: "F64", shape: [values.length], data_offsets: [offset, offset + 8 * values.length] };
    offset += 8 * values.length;
  }
  if (Object.keys(metadata).length > 0) {
    header.__metadata__ = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)]));
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const data = Buffer.alloc(offset);
  for (const name of names) {
    const [begin] = header[name].data_offsets;
    model[name].forEach((value, i) => data.writeDoubleLE(value, begin + 8 * i));
  }
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  return Buffer.concat([length, headerBytes, data]);
}

/** Decodes safetensors bytes into {weight, bias, mean, std, metadata}, checking the layout. */
export function decodeSafetensors(bytes) {
  if (bytes.length < 8) throw new Error("not a safetensors file: shorter than its 8-byte header length");
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) throw new Error("not a safetensors file: the header runs past the end");
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
  const data = bytes.subarray(8 + headerLength);
  const model = { metadata: header.__metadata__ ?? {} };
  for (const [name, size] of Object.entries(TENSORS)) {
    const entry = header[name];
    if (!entry) throw new Error(`safetensors file has no tensor ${name}`);
    const [begin, end] = entry.data_offsets;
    if (entry.dtype !== "F64" || entry.shape.length !== 1 || entry.shape[0] !== size || end - begin !== 8 * size || end > data.length) {
      throw new Error(`tensor ${name} is not F64 [${size}] within the file`);
    }
    model[name] = Array.from({ length: size }, (_, i) => data.readDoubleLE(begin + 8 * i));
  }
  return model;
}

export function writeModel(file, model, metadata) {
  writeFileSync(file, encodeSafetensors(model, metadata));
}

export function readModel(file) {
  return decodeSafetensors(readFileSync(file));
}

/** Loads MODEL_DIR/model.safetensors. */
export function loadModel(dir) {
  return readModel(join(dir, WEIGHTS_FILE));
}

/** The standardized feature vector of a record: (x - mean) / std per feature. */
export function standardize(model, record) {
  return FEATURES.map((name, i) => {
    const x = record[name];
    if (typeof x !== "number" || !Number.isFinite(x)) throw new Error(`record ${record.id ?? "?"}: ${name} must be a finite number`);
    return (x - model.mean[i]) / model.std[i];
  });
}

export const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The probability of a fault for one record {temperature, vibration, load}. */
export function predict(model, record) {
  const x = standardize(model, record);
  let z = model.bias[0];
  for (let i = 0; i < x.length; i += 1) z += model.weight[i] * x[i];
  return sigmoid(z);
}

/** Reads a JSON Lines file into an array of objects. */
export function readJsonl(file) {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}
