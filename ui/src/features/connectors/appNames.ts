/** The name an analyst knows a connector app by (the engine's connector ids as keys). */
const names: Record<string, string> = { github: "GitHub", m365: "Microsoft 365" };

export function appName(app: string): string {
  return names[app] ?? app;
}
