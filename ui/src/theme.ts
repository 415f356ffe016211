import { createTheme, type MantineColorSchemeManager } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  defaultRadius: "md",
  fontFamily:
    "Inter, -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
});

/**
 * The engine stores the theme (Settings → Appearance); Mantine only holds it in memory, so the
 * database stays the one source of truth.
 */
export function engineColorSchemeManager(): MantineColorSchemeManager {
  let current: "light" | "dark" | "auto" | undefined;
  return {
    get: (defaultValue) => current ?? defaultValue,
    set: (value) => {
      current = value;
    },
    subscribe: () => undefined,
    unsubscribe: () => undefined,
    clear: () => {
      current = undefined;
    },
  };
}
