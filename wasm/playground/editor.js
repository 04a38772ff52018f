// A plain textarea with a line-number gutter. Diagnostics mark their lines in the gutter
// (hover shows the messages, a click selects the line); `jumpTo` scrolls to a line and
// selects it.

const LINE_HEIGHT = 19; // px, the same in style.css for the gutter and the textarea

export class Editor {
  constructor(root, onInput) {
    this.gutter = root.querySelector(".gutter");
    // The numbers move with a transform, so rendering never reads or writes a scroll position
    // (either would force a synchronous layout of the whole page on every keystroke).
    this.numbers = document.createElement("div");
    this.numbers.className = "numbers";
    this.gutter.replaceChildren(this.numbers);
    this.textarea = root.querySelector("textarea");
    this.lines = 0;
    this.marks = new Map();
    this.text = "";
    this.textarea.addEventListener("input", () => {
      this.text = this.textarea.value;
      this.renderGutter();
      onInput(this.textarea.value);
    });
    this.textarea.addEventListener("scroll", () => this.syncScroll());
    this.textarea.addEventListener("keydown", (event) => {
      if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey) {
        // Two spaces, YAML style. Escape then Tab leaves the editor (keyboard users).
        if (this.escaped) return;
        event.preventDefault();
        document.execCommand("insertText", false, "  ");
      }
      this.escaped = event.key === "Escape";
    });
    this.gutter.addEventListener("click", (event) => {
      const line = Number(event.target.dataset?.line);
      if (line) this.jumpTo(line);
    });
  }

  syncScroll() {
    this.numbers.style.transform = `translateY(${-this.textarea.scrollTop}px)`;
  }

  /** New content; the gutter follows with the next setMarks. */
  setText(text, readOnly) {
    // Compared with the text last given, not with `textarea.value`: a textarea turns CRLF into
    // LF, so a CRLF file (the book's examples) never equals its value, and rewriting the value
    // (and scrollTop) on every recompute forced a layout: 46 ms of a 6-file recompute.
    if (this.text !== text) {
      this.text = text;
      this.textarea.value = text;
      this.textarea.scrollTop = 0;
      this.numbers.style.transform = "translateY(0px)";
    }
    this.textarea.readOnly = !!readOnly;
  }

  /** marks: [{line, severity, message}] (1-based lines). */
  setMarks(marks) {
    this.marks = new Map();
    for (const mark of marks) {
      const list = this.marks.get(mark.line) || [];
      list.push(mark);
      this.marks.set(mark.line, list);
    }
    this.renderGutter(true);
  }

  renderGutter(force) {
    const count = this.textarea.value.split("\n").length;
    const wanted = Math.max(count, ...this.marks.keys(), 1);
    if (!force && wanted === this.lines) return;
    this.lines = wanted;
    const fragment = document.createDocumentFragment();
    for (let line = 1; line <= wanted; line++) {
      const div = document.createElement("div");
      div.textContent = String(line);
      div.dataset.line = String(line);
      const marks = this.marks.get(line);
      if (marks) {
        const order = ["error", "warning", "info"];
        const worst = order.find((s) => marks.some((m) => m.severity === s)) || "info";
        div.className = worst;
        div.title = marks.map((m) => m.message).join("\n");
      }
      fragment.append(div);
    }
    this.numbers.replaceChildren(fragment);
  }

  jumpTo(line, column) {
    const text = this.textarea.value;
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
    const index = Math.min(Math.max(line, 1), starts.length) - 1;
    const start = starts[index];
    const end = index + 1 < starts.length ? starts[index + 1] - 1 : text.length;
    this.textarea.focus();
    this.textarea.setSelectionRange(column ? Math.min(start + column - 1, end) : start, end);
    const top = index * LINE_HEIGHT;
    const view = this.textarea.clientHeight;
    if (top < this.textarea.scrollTop || top > this.textarea.scrollTop + view - 2 * LINE_HEIGHT) {
      this.textarea.scrollTop = Math.max(0, top - view / 3);
    }
    this.syncScroll();
  }
}
