import type Docker from 'dockerode';
import { dockerErrorCode, engineMessage, statusCode } from './docker-client.js';
import { AgentErrorCode } from './result.js';

export type ImageCheck = { ok: true; pulled: boolean } | { ok: false; code: string; message: string };

/** Applies the pull policy: `never` (must exist), `missing` (pull when absent), `always` (pull first). */
export async function ensureImage(
  docker: Docker,
  image: string,
  policy: 'never' | 'missing' | 'always',
): Promise<ImageCheck> {
  if (policy !== 'always') {
    try {
      await docker.getImage(image).inspect();
      return { ok: true, pulled: false };
    } catch (err) {
      if (statusCode(err) !== 404)
        return { ok: false, code: dockerErrorCode(err), message: engineMessage(err) };
      if (policy === 'never')
        return {
          ok: false,
          code: AgentErrorCode.ImageMissing,
          message: `image ${image} is not present and pull = "never"`,
        };
    }
  }
  try {
    await pull(docker, image);
    return { ok: true, pulled: true };
  } catch (err) {
    // 400: the engine rejects the reference itself (a bad image name) — not a pull problem.
    const code =
      statusCode(err) === 400
        ? dockerErrorCode(err)
        : dockerErrorCode(err) === AgentErrorCode.DockerUnreachable
          ? AgentErrorCode.DockerUnreachable
          : AgentErrorCode.ImagePull;
    return { ok: false, code, message: `cannot pull ${image}: ${engineMessage(err)}` };
  }
}

async function pull(docker: Docker, image: string): Promise<void> {
  // A bare name means :latest, as the docker CLI does (the API would pull every tag).
  const ref = /:[^/]+$|@/.test(image) ? image : `${image}:latest`;
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
        const failed = events?.find((e) => e.error);
        if (err) reject(err);
        else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
        else resolve();
      },
    );
  });
}
