"""Template filters for the units of ``aquagrowth.analysis.units``."""

from django import template

from aquagrowth.analysis import units

register = template.Library()
register.filter("weight", units.weight_text)
register.filter("mass", units.mass_text)
register.filter("fish", units.count_text)
register.filter("percent", units.percent_text)
