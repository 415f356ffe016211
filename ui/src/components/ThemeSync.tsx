import { useMantineColorScheme } from "@mantine/core";
import { useEffect } from "react";
import { useSettings } from "../features/settings/api";

/** Applies the theme stored in the engine whenever the settings change. */
export function ThemeSync() {
  const { data } = useSettings();
  const { setColorScheme } = useMantineColorScheme();
  useEffect(() => {
    if (data) setColorScheme(data.theme);
  }, [data, setColorScheme]);
  return null;
}
