# Training and validation RMSE against model size (the table's first column),
# log y axis: the validation error explodes by orders of magnitude.
# gnuplot -e "table='T.tsv'; image='I.png'; what='degree'" error.gp
set terminal pngcairo size 800,560 font 'sans,11'
set output image
set datafile separator tab
set key autotitle columnhead top left box opaque
set logscale y
set grid lc rgb '#dddddd'
set xlabel (what eq 'degree' ? 'polynomial degree' : 'number of RBF centers')
set ylabel 'RMSE (m/s)'
set offsets 0.5, 0.5, 0, 0
set title 'Underfitting and overfitting: error against model size'
stats table using 1:3 nooutput
best = STATS_pos_min_y
plot table using 1:2 with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'training', \
     table using 1:3 with linespoints lw 2 pt 5 lc rgb '#E69F00' title 'validation', \
     table using ($1 == best ? $1 : NaN):3 with points pt 6 ps 3 lw 2 lc rgb '#D55E00' \
       title sprintf('lowest validation error (%s %g)', what, best)
