//! Integration tests for `truyvet-browser`: real Debian Chromium against a loopback
//! site served by the tests. Chromium is required: when it is missing these tests fail
//! with the install hint (`make test` installs it), they never skip.

#![allow(clippy::unwrap_used)]

mod available;
mod capture;
mod session;
mod site;

use std::time::Duration;

use truyvet_browser::{BrowserOptions, chromium_available};

/// Options for tests: the real Chromium, short bounds so a hang fails fast.
pub fn test_options() -> BrowserOptions {
    let opts = BrowserOptions {
        launch_timeout: Duration::from_secs(30),
        command_timeout: Duration::from_secs(30),
        load_timeout: Duration::from_secs(15),
        scroll_timeout: Duration::from_secs(10),
        scroll_step_delay: Duration::from_millis(100),
        network_idle: Duration::from_millis(300),
        network_idle_timeout: Duration::from_secs(5),
        ..BrowserOptions::default()
    };
    if let Err(missing) = chromium_available(&opts) {
        panic!("browser capture tests need Chromium: {missing}");
    }
    opts
}

/// RGB(A) pixels of a PNG, normalised to 8 bits per channel.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub channels: usize,
    pub pixels: Vec<u8>,
}

impl Image {
    pub fn decode(bytes: &[u8]) -> Image {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        decoder.set_limits(png::Limits {
            bytes: 512 * 1024 * 1024,
        });
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("unexpected screenshot colour type {other:?}"),
        };
        pixels.truncate(info.line_size * info.height as usize);
        Image {
            width: info.width,
            height: info.height,
            channels,
            pixels,
        }
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * self.channels;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// How many pixels are exactly `rgb`.
    pub fn count(&self, rgb: [u8; 3]) -> usize {
        self.pixels
            .chunks_exact(self.channels)
            .filter(|p| p[..3] == rgb)
            .count()
    }

    /// Rows (top to bottom) that contain at least `min` pixels of `rgb`.
    pub fn rows_with(&self, rgb: [u8; 3], min: usize) -> Vec<u32> {
        (0..self.height)
            .filter(|&y| (0..self.width).filter(|&x| self.pixel(x, y) == rgb).count() >= min)
            .collect()
    }

    /// Variance of luminance: 0 for a blank image.
    pub fn variance(&self) -> f64 {
        let lum: Vec<f64> = self
            .pixels
            .chunks_exact(self.channels)
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect();
        let mean = lum.iter().sum::<f64>() / lum.len() as f64;
        lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64
    }
}

/// Decodes the quoted-printable parts of an MHTML file well enough to search its text.
pub fn mhtml_text(mhtml: &[u8]) -> String {
    let text = String::from_utf8_lossy(mhtml)
        .replace("=\r\n", "")
        .replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if let (b'=', Some(Ok(b))) = (bytes[i], hex.map(|h| u8::from_str_radix(h, 16))) {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
