//! Browser capture with Debian's Chromium over the DevTools protocol: full-page screenshot, MHTML, rendered DOM and every network response of the page load.
