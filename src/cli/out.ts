/** Where commands print: stdout for results, stderr for notices. Only cli/ prints for humans. */
export interface Out {
  print(line: string): void;
  note(line: string): void;
  isTTY: boolean;
}

export const processOut: Out = {
  print: (line) => process.stdout.write(line + "\n"),
  note: (line) => process.stderr.write(line + "\n"),
  get isTTY() {
    return process.stdout.isTTY === true;
  },
};
