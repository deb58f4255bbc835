# Per-layer statistics at the initial weights, Kaiming-He against weights
# twice as large: the spread of the pre-activations z (left, the forward
# pass) and the norm of the bias gradient, the error backpropagated to each
# layer (right, the backward pass), log y axes.  Columns of table: layer,
# kaiming_z_std, large_z_std, kaiming_grad_b, large_grad_b, kaiming_grad_w,
# large_grad_w.
# gnuplot -e "table='T.tsv'; image='I.png'; scale=0.5" layers.gp
set terminal pngcairo size 1000,460 font 'sans,11'
set output image
set datafile separator tab
set grid lc rgb '#dddddd'
set logscale y
set format y '%g'
set xlabel 'layer'
set xtics 1
set offsets 0.3, 0.3, 0, 0
set key top left box opaque
set multiplot layout 1,2 title 'A deep relu network at its initial weights'
set title 'pre-activations z: standard deviation'
plot table using 1:2 every ::1 with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'Kaiming-He', \
     table using 1:3 every ::1 with linespoints lw 2 pt 5 lc rgb '#D55E00' title sprintf('N(0, %g)', scale)
set title 'backpropagated error: norm of dJ/db'
plot table using 1:4 every ::1 with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'Kaiming-He', \
     table using 1:5 every ::1 with linespoints lw 2 pt 5 lc rgb '#D55E00' title sprintf('N(0, %g)', scale)
unset multiplot
