// Types of segment-bloomreach/config (Node only): a Worker's configuration document, validated offline by the Worker's own code in a wasm of its own.
import type { MappingError, Settings } from "segment-bloomreach";

/** A Bloomreach project: its API key and secret are the names of Worker secrets, never values. */
export interface ConfigDestination {
  /** 1–63 lowercase letters, digits, `-` and `_`. */
  name: string;
  /** Default `https://api.exponea.com/`. */
  apiBaseUrl?: string;
  projectToken: string;
  /** The name of the Worker secret holding the API key (`BLOOMREACH_API_KEY_EU`). */
  apiKeySecret: string;
  /** The name of the Worker secret holding the API secret of a private key pair. */
  apiSecretSecret?: string;
}

/** A Segment write key of a source: the key itself (`key`; the Worker stores only its digest) or its digest. */
export type ConfigWriteKey = { kind: "browser" | "server"; label?: string } & ({ key: string } | { sha256: string; last4: string });

/** How events arrive: credentials, settings, and the destination (by name) they go to. */
export interface ConfigSource {
  name: string;
  destination: string;
  writeKeys?: ConfigWriteKey[];
  /** `POST /webhook/<name>`: the Worker secret names of its signature secret and/or bearer token. */
  webhook?: { sharedSecretSecret?: string; bearerTokenSecret?: string };
  /** The source's own settings (no Bloomreach credentials: those are its destination's). */
  settings?: Omit<Settings, "apiBaseUrl" | "apiKey" | "apiSecret" | "projectToken" | "exponeaHardId" | "exponeaSoftId"> & {
    exponeaHardId?: string;
    exponeaSoftId?: string;
  };
}

/** A deployment's configuration: what the Worker's admin API and `segment-bloomreach config` take. */
export interface DeploymentConfig {
  destinations: ConfigDestination[];
  sources: ConfigSource[];
}

/**
 * The configuration as the Worker would store it (write keys given as `key` stay as given: only the
 * Worker stores their digests; the Worker secrets it names are not checked here). Throws a
 * {@link MappingError} (code `config_invalid`) listing every problem at its path.
 */
export function validateConfig(config: DeploymentConfig | unknown): DeploymentConfig;
