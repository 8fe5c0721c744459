"""The growth computation: plain numpy functions over one batch's arrays.

Nothing here imports Django or touches a database; the loader builds a
:class:`~aquagrowth.engine.core.inputs.BatchInputs`, :func:`assimilate` turns it into
:class:`~aquagrowth.engine.core.outputs.DailyStates`, the store writes them.
"""
