import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { RouterProvider, createHashRouter, type RouterProviderProps } from "react-router";
import { ThemeSync } from "./components/ThemeSync";
import { routes } from "./routes";
import { engineColorSchemeManager, theme } from "./theme";

export function newQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });
}

export function App({ router }: { router?: RouterProviderProps["router"] }) {
  const [client] = useState(newQueryClient);
  const [manager] = useState(engineColorSchemeManager);
  const [appRouter] = useState(() => router ?? createHashRouter(routes));
  return (
    <QueryClientProvider client={client}>
      <MantineProvider theme={theme} colorSchemeManager={manager} defaultColorScheme="auto">
        <Notifications position="bottom-right" />
        <ThemeSync />
        <RouterProvider router={appRouter} />
      </MantineProvider>
    </QueryClientProvider>
  );
}
