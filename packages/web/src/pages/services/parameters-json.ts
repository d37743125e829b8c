/**
 * The parameters a person typed, as the JSON object a parameter set holds, or why they are not
 * one (said in words, for the form's error).
 */
export function parseParameters(text: string): { value: Record<string, unknown> } | { problem: string } {
  if (text.trim() === '') return { value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `Not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'The parameters must be a JSON object, e.g. {"city": "London"}' };
  }
  return { value: value as Record<string, unknown> };
}

export const showJson = (value: unknown) => JSON.stringify(value, null, 2);
