import { Navigate, type RouteObject } from "react-router";
import { AppFrame } from "./components/AppFrame";
import { AboutPage } from "./features/about/AboutPage";
import { SettingsPage } from "./features/settings/SettingsPage";

/** Only pages that work are routed and shown in the navigation. */
export const routes: RouteObject[] = [
  {
    path: "/",
    element: <AppFrame />,
    children: [
      { index: true, element: <Navigate to="/settings" replace /> },
      { path: "settings", element: <SettingsPage /> },
      { path: "about", element: <AboutPage /> },
      { path: "*", element: <Navigate to="/settings" replace /> },
    ],
  },
];
