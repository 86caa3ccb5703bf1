import { render } from "preact";

import { App } from "./app";
import { locale } from "./i18n";
import "./styles.css";

document.documentElement.lang = locale.get();
const root = document.getElementById("app");
if (root) render(<App />, root);
