import { Navigate, type RouteObject } from "react-router";
import { AppFrame } from "./components/AppFrame";
import { AboutPage } from "./features/about/AboutPage";
import { AppPage } from "./features/catalog/AppPage";
import { CatalogPage } from "./features/catalog/CatalogPage";
import { ComparePage } from "./features/catalog/ComparePage";
import { ConnectedAppsPage } from "./features/connectors/ConnectedAppsPage";
import { DiscoveryPage } from "./features/discovery/DiscoveryPage";
import { AccountsPage } from "./features/investigate/AccountsPage";
import { ActivityLogPage } from "./features/investigate/ActivityLogPage";
import { ChangesPage } from "./features/investigate/ChangesPage";
import { FilesPage } from "./features/investigate/FilesPage";
import { OauthAppsPage } from "./features/investigate/OauthAppsPage";
import { ReportPage } from "./features/discovery/ReportPage";
import { SettingsPage } from "./features/settings/SettingsPage";
import { AlertsPage } from "./features/policies/AlertsPage";
import { PoliciesPage } from "./features/policies/PoliciesPage";

/** Only pages that work are routed and shown in the navigation. */
export const routes: RouteObject[] = [
  {
    path: "/",
    element: <AppFrame />,
    children: [
      { index: true, element: <Navigate to="/catalog" replace /> },
      { path: "catalog", element: <CatalogPage /> },
      { path: "catalog/app/:id", element: <AppPage /> },
      { path: "catalog/compare", element: <ComparePage /> },
      { path: "discovery", element: <DiscoveryPage /> },
      { path: "discovery/report/:id", element: <ReportPage /> },
      { path: "connectors", element: <ConnectedAppsPage /> },
      { path: "activities", element: <ActivityLogPage /> },
      { path: "accounts", element: <AccountsPage /> },
      { path: "files", element: <FilesPage /> },
      { path: "oauth-apps", element: <OauthAppsPage /> },
      { path: "changes", element: <ChangesPage /> },
      { path: "policies", element: <PoliciesPage /> },
      { path: "alerts", element: <AlertsPage /> },
      { path: "settings", element: <SettingsPage /> },
      { path: "about", element: <AboutPage /> },
      { path: "*", element: <Navigate to="/catalog" replace /> },
    ],
  },
];
