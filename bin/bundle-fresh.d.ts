export declare function bundlePath(root: string): string;
export declare function bundleIsFresh(root: string): boolean;
