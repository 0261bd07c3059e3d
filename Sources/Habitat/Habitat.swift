import Handlebars
import TOML

/// Habitat's package model, config layering and render context.
public enum Habitat {}
