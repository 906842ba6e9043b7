"""LAB FIXTURE: stand-in of cufolio (nvidia/portfolio-optimization/assets/setup/src/): the real package optimizes
portfolios with cuOpt and cuML on the GPU; this one only says what it is."""

version = "1.0.0"
STANDIN = "sparklab stand-in of cufolio: no cuOpt, no cuML, no GPU"
