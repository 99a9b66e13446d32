/** Types of build/msiProtocols.mjs (electron-builder's msiProjectCreated hook), for the tests. */
export declare const schemes: [scheme: string, description: string][];
export declare function clickToCallComponent(indent?: string): string;
export declare function withClickToCall(wxs: string): string;
export declare function msiProjectCreated(projectFile: string): Promise<void>;
export default msiProjectCreated;
