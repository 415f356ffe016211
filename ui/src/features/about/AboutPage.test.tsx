import { mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { About } from "../../ipc";
import { renderApp } from "../../test/render";

const about: About = {
  name: "Cloudwarden",
  version: "0.1.0",
  license: "Apache-2.0",
  repository: "https://example.invalid/cloudwarden",
  data_sources: [],
  components: [{ name: "Tauri", license: "Apache-2.0 OR MIT", url: "https://tauri.app", usage: "desktop shell" }],
};

describe("About page", () => {
  it("shows version, licence and attributions", async () => {
    mockIPC((cmd) => (cmd === "get_about" ? about : { theme: "auto" }));
    renderApp("/about");
    expect(await screen.findByTestId("about-version")).toHaveTextContent("0.1.0");
    expect(screen.getByTestId("about-license")).toHaveTextContent("Apache-2.0");
    expect(screen.getByTestId("about-no-data-sources")).toBeInTheDocument();
    expect(screen.getByTestId("about-components")).toHaveTextContent("desktop shell");
  });

  it("lists shipped data sets with their licence", async () => {
    mockIPC((cmd) =>
      cmd === "get_about"
        ? { ...about, data_sources: [{ name: "Public Suffix List", license: "MPL-2.0", url: "https://publicsuffix.org", usage: "domains" }] }
        : { theme: "auto" },
    );
    renderApp("/about");
    expect(await screen.findByTestId("about-data-sources")).toHaveTextContent("MPL-2.0");
  });

  it("navigation shows only working pages", async () => {
    mockIPC((cmd) => (cmd === "get_about" ? about : { theme: "auto" }));
    renderApp("/about");
    await screen.findByTestId("about-version");
    const nav = screen.getByRole("navigation", { name: "Main navigation" });
    expect(nav).toHaveTextContent("Settings");
    expect(nav).toHaveTextContent("About");
    expect(nav).toHaveTextContent("Cloud App Catalog");
    expect(nav).toHaveTextContent("Cloud Discovery");
    expect(nav).toHaveTextContent("Connected apps");
    for (const page of ["Activity log", "Accounts", "Files", "OAuth apps", "What changed", "Alerts", "Policies"]) expect(nav).toHaveTextContent(page);
    expect(nav.querySelectorAll("[data-testid^=nav-]")).toHaveLength(12);
  });
});
