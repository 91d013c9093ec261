import type { Checkpoint } from '@hyperledger/fabric-gateway';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where a worker's event stream resumes: just after the last event it finished processing. */
export interface DurableCheckpoint extends Checkpoint {
  /** Records that every event up to and including this one is done; durable when it resolves. */
  save(blockNumber: bigint, transactionId: string): Promise<void>;
  /** The ledger the position belongs to (its genesis block hash), if known. */
  getLedgerId(): string | undefined;
  /**
   * Ties the checkpoint to a ledger. A position saved for another ledger (a network recreated
   * under the same member) means nothing here, so it is dropped and the stream starts afresh.
   * Returns whether a position was dropped.
   */
  bindLedger(ledgerId: string): Promise<boolean>;
}

interface CheckpointState {
  ledgerId?: string;
  blockNumber?: string;
  transactionId?: string;
}

class FileCheckpoint implements DurableCheckpoint {
  readonly #path: string;
  #ledgerId: string | undefined;
  #blockNumber: bigint | undefined;
  #transactionId: string | undefined;

  constructor(path: string, state: CheckpointState) {
    this.#path = path;
    this.#ledgerId = state.ledgerId;
    this.#blockNumber = state.blockNumber === undefined ? undefined : BigInt(state.blockNumber);
    this.#transactionId = state.transactionId;
  }

  getBlockNumber(): bigint | undefined {
    return this.#blockNumber;
  }

  getTransactionId(): string | undefined {
    return this.#transactionId;
  }

  getLedgerId(): string | undefined {
    return this.#ledgerId;
  }

  async bindLedger(ledgerId: string): Promise<boolean> {
    if (this.#ledgerId === ledgerId) return false;
    const dropped = this.#ledgerId !== undefined && this.#blockNumber !== undefined;
    this.#ledgerId = ledgerId;
    this.#blockNumber = undefined;
    this.#transactionId = undefined;
    await this.#write({ ledgerId });
    return dropped;
  }

  async save(blockNumber: bigint, transactionId: string): Promise<void> {
    await this.#write({
      ...(this.#ledgerId ? { ledgerId: this.#ledgerId } : {}),
      blockNumber: blockNumber.toString(),
      transactionId,
    });
    this.#blockNumber = blockNumber;
    this.#transactionId = transactionId;
  }

  async #write(state: CheckpointState): Promise<void> {
    // A crash must leave either the old checkpoint or the new one, never a torn file: write a
    // temporary file, flush it to disk, then rename it over the old one (atomic on POSIX).
    const temporary = `${this.#path}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.#path);
    await syncDirectory(dirname(this.#path));
  }
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * Opens the checkpoint stored at `path`, or an empty one (start from `startBlock`) when the file
 * does not exist yet.
 */
export async function openFileCheckpoint(path: string): Promise<DurableCheckpoint> {
  await mkdir(dirname(path), { recursive: true });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FileCheckpoint(path, {});
    throw unreadable(path, error);
  }
  try {
    const state = JSON.parse(text) as unknown;
    if (!isCheckpointState(state)) throw new Error('not a checkpoint');
    return new FileCheckpoint(path, state);
  } catch (error) {
    throw unreadable(path, error);
  }
}

function isCheckpointState(value: unknown): value is CheckpointState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { ledgerId, blockNumber, transactionId } = value as Record<string, unknown>;
  return (
    (ledgerId === undefined || typeof ledgerId === 'string') &&
    (blockNumber === undefined ||
      (typeof blockNumber === 'string' && /^\d{1,20}$/.test(blockNumber))) &&
    (transactionId === undefined || typeof transactionId === 'string')
  );
}

function unreadable(path: string, error: unknown): Error {
  return new Error(`checkpoint ${path} is unreadable: ${(error as Error).message}`, {
    cause: error,
  });
}
