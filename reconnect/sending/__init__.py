"""The delivery engine: claims what is due, composes each email, sends it and records the
outcome (``service`` is what the tasks call).

It sits above the domain packages whose words and links an email carries (partners,
reflections, signups, bounces); they in turn use only the delivery records in
``reconnect/deliveries/``, never this package.
"""
