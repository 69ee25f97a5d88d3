/**
 * A block in the job user's `.bash_profile` that only login shells given a tag as `$1` run: how the
 * remote suites make one shell of theirs print or fail at login without touching any other.
 */
import fs from "node:fs";
import path from "node:path";

/**
 * Appends `lines` to `<jobHome>/.bash_profile`, guarded by `tag`; a file it creates goes to the owner
 * of `jobHome`. Returns the exact undo (the file removed again when it only held this block).
 */
export function addProfileBlock(jobHome: string, tag: string, lines: readonly string[]): () => void {
  const file = path.join(jobHome, ".bash_profile");
  const existed = fs.existsSync(file);
  const before = existed ? fs.readFileSync(file, "utf8") : "";
  // Without a .bash_profile, bash reads ~/.profile: keep that for every other shell.
  const keep = existed ? "" : "[ -f ~/.profile ] && . ~/.profile\n";
  const sep = before === "" || before.endsWith("\n") ? "" : "\n";
  const text = `${sep}# ${tag} begin\nif [ "\${1-}" = ${tag} ]; then\n${lines.join("\n")}\nfi\n${keep}# ${tag} end\n`;
  fs.appendFileSync(file, text);
  if (!existed) {
    const owner = fs.statSync(jobHome);
    fs.chownSync(file, owner.uid, owner.gid);
  }
  return () => {
    const rest = fs.readFileSync(file, "utf8").replace(text, "");
    if (!existed && rest === "") fs.rmSync(file);
    else fs.writeFileSync(file, rest);
  };
}
