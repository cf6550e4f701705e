"""What people read: the published tables, the bulletin (通报) and the internal report's sections, plots,
the nbconvert exporters and printing, scorecards, the results workbook, the site and the explore app."""
