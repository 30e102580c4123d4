// Counts a journey's inputs as a prescriber makes them: every key press and every click is one;
// typing a field's value ("9449305552", "amox", "1 tds 5/7", the passcode) is one input and its
// characters are counted apart. Focus is never moved by the test: a field must already have focus
// (the page put it there) or be reached by Tab presses, which count.
import { expect, type Locator, type Page } from '@playwright/test';

export class InputCounter {
  inputs = 0;
  characters = 0;
  readonly steps: string[] = [];
  constructor(
    private readonly page: Page,
    readonly journey: string,
  ) {}

  async press(key: string): Promise<void> {
    this.inputs++;
    this.steps.push(key);
    await this.page.keyboard.press(key);
  }

  /** Types into whatever has focus, after checking it is the field the prescriber means. */
  async type(into: Locator, text: string): Promise<void> {
    await expect(
      into,
      `${this.journey}: focus is already on the field for "${text}" (step ${this.inputs + 1})`,
    ).toBeFocused();
    this.inputs++;
    this.characters += text.length;
    this.steps.push(`type "${text}"`);
    await this.page.keyboard.type(text);
  }

  async click(target: Locator): Promise<void> {
    this.inputs++;
    this.steps.push('click');
    await target.click();
  }

  /** Presses Tab (each counted) until `target` has focus; fails after `max`. */
  async tabTo(target: Locator, max = 8): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await target.evaluate((el) => el === document.activeElement)) return;
      await this.press('Tab');
    }
    await expect(target, `${this.journey}: reached by at most ${max} Tab presses`).toBeFocused();
  }

  /** Asserts the journey took at most `limit` inputs, naming every step when it did not. */
  atMost(limit: number): void {
    expect(
      this.inputs,
      `${this.journey}: ${this.inputs} inputs (${this.characters} characters typed) against a target of ${limit}: ${this.steps.join(' · ')}`,
    ).toBeLessThanOrEqual(limit);
  }

  summary(): string {
    return `${this.journey}: ${this.inputs} inputs, ${this.characters} characters typed — ${this.steps.join(' · ')}`;
  }
}
