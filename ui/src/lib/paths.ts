// Parsing of the "paste paths" field: one absolute path per line.

export function splitPaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** POSIX (/…), Windows drive (C:\… or C:/…) or UNC (\\server\…) paths. */
export function isAbsolutePath(path: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(path);
}
