"""Figures without tracking people: audience over time, per-edition outcomes, sources'
activity, aggregate link counts where a newsletter opts in, and their charts."""
